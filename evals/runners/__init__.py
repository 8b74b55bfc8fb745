"""Evaluation runners: routing, safety, PII, speech."""
