// WSO2 Identity Server adaptive authentication script: risk-based step-up with the synapse-ai
// sidecar's risk-score policy. Paste it under Console → Applications → <app> → Login Flow →
// Conditional Authentication (IS 6.x / 7.x). Step 1 is the password step, step 2 a second factor.
//
// Set in the script editor's secrets (IS 6.1+): riskSidecarToken = one of the sidecar's tokens.
// The sidecar URL must be allowed in deployment.toml: [authentication.adaptive.http_function]
// allowed_domains = ["sidecar.internal"] (or your host).

var RISK_URL = 'http://sidecar.internal:8088/v1/policies/risk-score';
var FAILED_ATTEMPTS_CLAIM = 'http://wso2.org/claims/identity/failedLoginAttempts';

var onLoginRequest = function (context) {
  executeStep(1, {
    onSuccess: function (context) {
      var user = context.currentKnownSubject;
      var request = context.request;
      var device = request.cookies && request.cookies.deviceId ? request.cookies.deviceId.value : undefined;
      var failures = user.localClaims[FAILED_ATTEMPTS_CLAIM];
      var payload = {
        userId: user.uniqueId || user.username,
        ip: request.ip,
        userAgent: request.headers['user-agent'],
        loginTime: new Date().toISOString(),
        recentFailures: failures ? parseInt(failures, 10) : 0,
      };
      if (device) {
        payload.deviceFingerprint = device;
      }
      httpPost(
        RISK_URL,
        payload,
        {
          Authorization: 'Bearer ' + getSecretByName('riskSidecarToken'),
          'Content-Type': 'application/json',
          'X-Flow': 'request',
        },
        {
          onSuccess: function (context, data) {
            Log.info('risk-score for ' + payload.userId + ': ' + data.score + ' ' + data.decision);
            if (data.decision === 'deny') {
              fail({
                errorCode: 'access_denied',
                errorMessage: 'This sign-in was blocked. Contact your administrator.',
              });
            } else if (data.decision === 'step_up') {
              executeStep(2);
            }
          },
          onFail: function (context, data) {
            // The sidecar is down or slow: fail safe by asking for the second factor.
            Log.info('risk-score unavailable, stepping up');
            executeStep(2);
          },
          onTimeout: function (context, data) {
            executeStep(2);
          },
        },
      );
    },
  });
};
