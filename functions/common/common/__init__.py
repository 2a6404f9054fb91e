"""Code every workflow shares, shipped once as the CommonLayer."""
