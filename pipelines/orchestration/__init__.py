"""The Dagster side: the code location, resources, partitions, jobs, schedules, and running them in-
process.
"""
