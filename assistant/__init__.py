"""assistant package of daoban."""
