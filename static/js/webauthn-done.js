// Once django-otp-webauthn's script has saved a new key, go to the page that says so (and, at a
// first enrolment, shows the recovery codes once).
document.addEventListener("otp_webauthn.register_complete", function () {
  var done = document.getElementById("webauthn-done");
  if (done) {
    window.location.assign(done.dataset.url);
  }
});
