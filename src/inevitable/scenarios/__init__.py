"""Scenario files: schema, safe loading with located errors, built-in scenarios."""
