"""The imports table and the imports bucket."""
