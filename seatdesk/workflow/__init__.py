"""Case workflow engine: states, rules, working time, services and the ledger (Qt-free)."""
