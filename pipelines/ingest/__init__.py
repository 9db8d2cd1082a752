"""Reading Taobao exports from the landing zone into the raw layer."""
