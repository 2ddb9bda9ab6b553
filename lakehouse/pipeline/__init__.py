"""The lake's assets and the steps that materialise them, one way for every caller: an ingest
materialises the partitions a file touches, the nightly refresh all of them; publishing the
catalog, repair after a crash, run records. The command line (``jobs``) and the dashboard both
call these; neither imports the other."""
