-- The frame raw.ingest_files is judged on: one source's files of the partition's days, with the
-- rows each accounts for, so that read = loaded + rejected can be checked row by row.
SELECT *, rows_loaded + rows_rejected AS rows_accounted
FROM raw.ingest_files
WHERE partition_day BETWEEN $first AND $last AND source = $source
