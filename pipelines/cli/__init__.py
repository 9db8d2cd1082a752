"""`kefu`, the command line for ops."""
