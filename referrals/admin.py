# Referrals hold personal data: deliberately not registered in the admin.
