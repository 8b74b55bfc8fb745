"""knowledge package of daoban."""
