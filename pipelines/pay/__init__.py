"""A month's pay: KPI scoring, the month's pay lines, closing and restating months, and what-if
plans.
"""
