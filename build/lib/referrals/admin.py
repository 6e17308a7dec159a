# Referrals, screening records and bias-incident reports hold personal data and narrative:
# deliberately not registered in the admin (tests/test_url_access_matrix.py checks it). Staff
# reach them through the access policy (casework.access), never the admin site.
