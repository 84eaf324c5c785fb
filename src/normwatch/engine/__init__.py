"""The rules engine: facts, the CEL subset, rules as data, the reference and columnar
evaluators, responsibility, law answers and intensity."""
