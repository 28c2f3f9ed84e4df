"""Tests of fastdjango.contrib.auth."""
