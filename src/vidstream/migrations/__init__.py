"""Alembic migrations, shipped inside the package so any install can migrate."""
