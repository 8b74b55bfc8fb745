"""What every daoban package shares: the base of the domain errors (:mod:`daoban.errors`)."""
