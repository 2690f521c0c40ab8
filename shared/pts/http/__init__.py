"""HTTP helpers shared by the functions: problem details, request decoding."""
