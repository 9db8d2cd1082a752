"""`make bench`: kefu-payroll against the pandas script a shop's analyst would write."""
