"""The listing workflow (名单管理): propose, notify, statement, objection, decision by two officers,
publication, removal at expiry or on a court or review decision, credit repair and its revocation."""
