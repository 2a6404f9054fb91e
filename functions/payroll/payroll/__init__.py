"""Payroll: a raw timesheet file becomes per-employee files, paystub PDFs and a report."""
