"""Oversight of the audit trail, for auditors: likely misuse found in who searched for and
looked at which children (``analytics``, on the pure patterns of ``audit.misuse``), and
the signed checkpoints of the chain e-mailed to them (``checkpoint``). Above access,
children and notify, which it reads and uses; the trail itself (``audit``) imports none
of them."""
