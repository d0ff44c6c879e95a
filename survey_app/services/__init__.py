"""Services shared by several users' blueprints: the submission service, the citizen's
signed tokens, receipt links, credentials, keyed hashes (privacy), the audit trail,
scoping of staff queries, QR codes and posters. No view lives here."""
