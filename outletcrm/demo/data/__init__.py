"""Data tables for the demo: Hangzhou streets and the vocabulary of outlet and person names."""
