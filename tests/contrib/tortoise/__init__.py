"""Tests of the Tortoise ORM integration (model signals)."""
