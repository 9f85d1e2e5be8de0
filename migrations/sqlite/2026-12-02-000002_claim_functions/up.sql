-- PostgreSQL only (claim functions); SQLite runs the same claims as statements on its writer thread.
SELECT 1;
