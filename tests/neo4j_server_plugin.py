"""Placeholder: the Neo4j session fixture is defined here."""
