"""Outcomes across programs: what mentorship does for people, measured against honest comparison
groups, for the whole organization and each program.

- From events: `handlers` keeps every version of a person's profile, goals and course assignments
  (feedback's other read models hold programs, enrollments, matches, sessions, answers and health).
- Pure logic: `careers` (what a profile history says happened), `designs` and `comparison` (who is
  compared with whom: coarsened exact matching), `estimators` (intervals), `groups` (privacy of
  group reports), `cohorts`, `attention`, `measures` (the catalog), the rows of each table
  (`figures`, `group_rows`, `program_rows`, `trend`) and `report` (all of it, and the dashboard).
- I/O: `sources` reads an organization's stored history, `recompute` stores its report, `snapshots`
  keeps the daily CSVs, `jobs` runs them on the worker, `queries` reads them for the API
  (`feedback.routes.outcomes`, `outcome_exports`, `outcome_settings`).
- For tests and the benchmark: `synthetic` (organizations with known effects) and `seeding` (writing
  one into the schema as the handlers would have).

docs/outcomes.md describes the measures, the methods and the snapshot export.
"""
