"""Scoring: profile, linking contracts to systems, lock-in and reuse factors, ministries."""
