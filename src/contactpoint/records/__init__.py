"""A child's record as people use it: viewing it under the access policy, subject access,
shielding, new identities, departures, retention and the authority's reports. Above
signposting, feeds, review and linkage, which it reads; below the web and the CLI."""
