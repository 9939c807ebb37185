"""Bulk import of people from an HR export (CSV or JSON).

- `parsing`: the file into rows (pure);
- `model`: what an import is and what it counts (pure; the table is `profiles.models.ImportJob`);
- `rows`: applying rows through the same use cases as the API;
- `job`: starting an import and carrying it out as a task on the job runner.
"""
