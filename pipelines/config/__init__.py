"""The shop's configuration: where things live, the validated plan, calendar, roster and
adjustments, and their warehouse tables.
"""
