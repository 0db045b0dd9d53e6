"""Demo data: the enterprises, persons, agencies and accounts (seed), their grades and credit
events (facts) and listings in every state (listings), loaded through the domain services like
real data. Kept out of registry/domain (house rule): nothing in the domain may depend on it.
"""
