"""`kefu fairness`: does a plan pay skill? Generated shop months, whose true skills are known,
run through the real pipeline and measured against a flat sales commission (SPEC 10)."""
