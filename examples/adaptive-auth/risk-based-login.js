// WSO2 Identity Server adaptive authentication script: risk-based step-up with the synapse-ai
// sidecar's risk-score policy. Paste it under Console → Applications → <app> → Login Flow →
// Conditional Authentication (IS 6.x / 7.x). Step 1 is the password step, step 2 a second factor.
//
// Set in the script editor's secrets (IS 6.1+): riskSidecarToken = one of the sidecar's tokens.
// The sidecar URL must be allowed in deployment.toml: [authentication.adaptive.http_function]
// allowed_domains = ["sidecar.internal"] (or your host).
//
// What the script has at this point is the request (address, user agent) and, after step 1, the
// user and the failed-attempt count; it sends all of it. The sidecar answers
// {riskScore, decision, reasons}: above 0.7 the login needs the second factor, and the deny band
// (0.9 by default) refuses it. When the sidecar fails or is too slow, the login steps up.

var RISK_URL = 'http://sidecar.internal:8088/v1/policies/risk-score';
var FAILED_ATTEMPTS_CLAIM = 'http://wso2.org/claims/identity/failedLoginAttempts';
var STEP_UP_ABOVE = 0.7;

var onLoginRequest = function (context) {
  executeStep(1, {
    onSuccess: function (context) {
      var user = context.currentKnownSubject;
      var request = context.request;
      var payload = {
        ip: request.ip,
        userAgent: request.headers['user-agent'],
        loginTime: new Date().toISOString(),
      };
      if (user) {
        payload.userId = user.uniqueId || user.username;
        var failures = user.localClaims[FAILED_ATTEMPTS_CLAIM];
        if (failures) {
          payload.recentFailures = parseInt(failures, 10);
        }
      }
      if (request.cookies && request.cookies.deviceId) {
        payload.deviceFingerprint = request.cookies.deviceId.value;
      }
      httpPost(
        RISK_URL,
        payload,
        {
          Authorization: 'Bearer ' + getSecretByName('riskSidecarToken'),
          'Content-Type': 'application/json',
        },
        {
          onSuccess: function (context, data) {
            Log.info('risk-score ' + data.riskScore + ' (' + data.decision + '): ' + data.reasons);
            if (data.decision === 'deny') {
              fail({
                errorCode: 'access_denied',
                errorMessage: 'This sign-in was blocked. Contact your administrator.',
              });
            } else if (data.riskScore > STEP_UP_ABOVE) {
              executeStep(2);
            }
          },
          onFail: function (context, data) {
            // The sidecar answered with an error or could not be reached: fail safe to the second factor.
            Log.info('risk-score unavailable, stepping up');
            executeStep(2);
          },
          onTimeout: function (context, data) {
            Log.info('risk-score timed out, stepping up');
            executeStep(2);
          },
        },
      );
    },
  });
};
