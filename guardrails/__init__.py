"""guardrails package of daoban."""
