"""Great Expectations suites (`expectations/`) judging the warehouse's tables."""
