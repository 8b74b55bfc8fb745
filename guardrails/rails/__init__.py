"""Input and output rails: one module per check, ordered by the policy file."""
