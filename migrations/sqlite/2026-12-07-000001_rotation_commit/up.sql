-- PostgreSQL only (the rotation's commit); SQLite's writer commits in batches with synchronous = NORMAL.
SELECT 1;
