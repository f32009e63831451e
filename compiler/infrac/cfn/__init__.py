"""Facts about CloudFormation itself: resource schemas (and, as they grow, limits and intrinsic functions)."""
