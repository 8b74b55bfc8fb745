"""evals package of daoban."""
