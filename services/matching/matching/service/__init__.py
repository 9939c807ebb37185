"""Use cases of the matching service, one module per aggregate: each writes its state change and
its outbox event in the caller's one transaction.

- `matches`: a mentee's request, answers (accept, decline, activate, end), expiry and activation
- `transitions`: every match status change, with the mentor's slot and the event
- `rounds`, `publishing`: program-wide rounds, planned, edited by hand, published as proposals
- `exclusions`, `preferences`: pairs kept out by admins, mentors preferred or avoided by mentees
- `audit_config`: which attributes the fairness audit may use
- `read_model`, `feedback`: what profiles and feedback events change here
- `readiness`: what training events change here (readiness gates, course progress)
"""
