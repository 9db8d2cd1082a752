"""The DuckDB warehouse: connections, the SQL runner, one writer at a time, and which derived days
are current.
"""
