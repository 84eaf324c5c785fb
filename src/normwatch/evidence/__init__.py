"""The cross-border evidence router: which legal channel a state can use to obtain data
held abroad (Contract 4)."""
