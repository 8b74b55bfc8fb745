"""speech package of daoban."""
