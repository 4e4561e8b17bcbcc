package rules

import (
	"bytes"
	"encoding/base64"
	"regexp"
	"strings"
	"sync"
)

// SecretsRules are the rules of the secrets built-in. Each finding is
// silenced by [AllowMarker] on its line.
// They are compiled on first use.
func SecretsRules() *RuleSet { return secretsSet() }

var secretsSet = sync.OnceValue(func() *RuleSet { return NewRuleSet(secretRules()) })

// Sample secrets are built at run time from a seed rather than written out,
// so this source (and the module built from it) holds no live-looking token
// that other scanners would flag.
const (
	upperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	alnum       = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b64         = alnum + "+/"
	urlsafe     = alnum + "_-"
	hexLower    = "0123456789abcdef"
)

// Fake returns n pseudo-random bytes of charset, the same for the same
// arguments. It builds the sample secrets of the rules.
func Fake(charset string, n int, seed uint32) string {
	b := make([]byte, n)
	x := seed*2654435761 + 12345
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = charset[x%uint32(len(charset))]
	}
	return string(b)
}

func secretRules() []*Rule {
	sec := func(r *Rule) *Rule {
		r.Severity = Error
		r.Allowable = true
		return r
	}
	// placeholder rejects values that say they are not real, in one case
	// (a random token may hold "FaKe" by chance, not "fake" or "FAKE").
	placeholder := func(s []byte) bool {
		for _, w := range []string{"example", "xxxxxx", "000000", "placeholder", "changeme", "your_", "yourkey", "dummy", "redacted", "sample", "fake", "aaaaaa"} {
			if bytes.Contains(s, []byte(w)) || bytes.Contains(s, bytes.ToUpper([]byte(w))) {
				return false
			}
		}
		return true
	}
	return []*Rule{
		sec(&Rule{
			ID:          "aws-access-key-id",
			Description: "AWS access key ID",
			Keywords:    []string{"akia", "asia", "abia", "acca", "a3t"},
			Pattern:     regexp.MustCompile(`\b((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b`),
			Group:       1,
			Accept:      placeholder,
			Good:        []string{"key := \"AKIAIOSFODNN7EXAMPLE\"", "AKIA_is_a_prefix"},
			Bad:         []string{"aws_access_key_id = AKIA" + Fake(upperDigits, 16, 1)},
		}),
		sec(&Rule{
			ID:          "aws-secret-access-key",
			Description: "AWS secret access key",
			Keywords:    []string{"aws"},
			Pattern:     regexp.MustCompile(`(?i)aws_?(?:secret_?(?:access_?)?key|sec_?key)["']?\s*(?::=|=>|=|:)\s*["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+]|$)`),
			Group:       1,
			MinEntropy:  4,
			Accept:      placeholder,
			Good:        []string{"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key = os.Getenv(\"AWS_SECRET\")"},
			Bad:         []string{"aws_secret_access_key = " + Fake(b64, 40, 2), "AWS_SECRET_ACCESS_KEY: \"" + Fake(b64, 40, 3) + "\""},
		}),
		sec(&Rule{
			ID:          "gcp-api-key",
			Description: "Google Cloud API key",
			Keywords:    []string{"aiza"},
			Pattern:     regexp.MustCompile(`\b(AIza[0-9A-Za-z_\-]{35})(?:[^0-9A-Za-z_\-]|$)`),
			Group:       1,
			MinEntropy:  4,
			Accept:      func(s []byte) bool { return placeholder(s) && !publishedExample[string(s)] },
			Good:        []string{"AIzaSy-short", "the AIza prefix", "apiKey: \"AIzaSyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs\""},
			Bad:         []string{"apiKey: \"AIza" + Fake(urlsafe, 35, 4) + "\""},
		}),
		sec(&Rule{
			ID:          "aws-bedrock-key",
			Description: "Amazon Bedrock API key",
			Keywords:    []string{"absk", "bedrock-api-key-"},
			Pattern:     regexp.MustCompile(`\b(ABSK[A-Za-z0-9+/]{109,269}={0,2}|bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/=%&?_\-]*)(?:[^A-Za-z0-9+/=]|$)`),
			Group:       1,
			MaxLen:      400,
			Good:        []string{"ABSK short", "bedrock-api-key-"},
			Bad:         []string{"BEDROCK_KEY=ABSK" + Fake(b64, 132, 41), "token = bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t&Action=CallWithBearerToken"},
		}),
		sec(&Rule{
			ID:          "azure-ad-client-secret",
			Description: "Azure AD (Entra ID) client secret",
			Keywords:    []string{"q~"},
			Pattern:     regexp.MustCompile(`(?:^|[\\'"\x60\s>=:(,)])([a-zA-Z0-9_~.]{3}[0-9]Q~[a-zA-Z0-9_~.\-]{31,34})(?:$|[\\'"\x60\s<),])`),
			Group:       1,
			MinEntropy:  3,
			Good:        []string{"see Q~ in the docs", "abc1Q~short"},
			Bad:         []string{"client_secret=" + Fake(alnum, 3, 42) + "8Q~" + Fake(alnum, 34, 43)},
		}),
		sec(&Rule{
			ID:          "gcp-oauth-client-secret",
			Description: "Google OAuth client secret",
			Keywords:    []string{"gocspx-"},
			Pattern:     regexp.MustCompile(`\b(GOCSPX-[A-Za-z0-9_\-]{28})(?:[^A-Za-z0-9_\-]|$)`),
			Group:       1,
			Good:        []string{"GOCSPX-tooshort"},
			Bad:         []string{"client_secret=GOCSPX-" + Fake(urlsafe, 28, 5)},
		}),
		sec(&Rule{
			ID:          "azure-storage-key",
			Description: "Azure storage account key",
			Keywords:    []string{"accountkey="},
			Pattern:     regexp.MustCompile(`(?i)AccountKey=([A-Za-z0-9+/]{86}==)`),
			Group:       1,
			Good:        []string{"AccountKey=<your key>"},
			Bad:         []string{"DefaultEndpointsProtocol=https;AccountName=x;AccountKey=" + Fake(b64, 86, 6) + "==;"},
		}),
		sec(&Rule{
			ID:          "private-key",
			Description: "private key",
			Keywords:    []string{"-----begin"},
			Pattern:     regexp.MustCompile(`-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----(?:\s|\\r|\\n|[A-Za-z-]+:[^\n\\]*)*[A-Za-z0-9+/=]{40,}`),
			Window:      4096,
			Good:        []string{"-----BEGIN RSA PRIVATE KEY-----\n<insert key here>\n-----END RSA PRIVATE KEY-----", "-----BEGIN CERTIFICATE-----\n" + Fake(b64, 64, 7)},
			Bad: []string{
				"-----BEGIN RSA PRIVATE KEY-----\n" + Fake(b64, 64, 8) + "\n" + Fake(b64, 64, 9) + "\n-----END RSA PRIVATE KEY-----",
				`{"private_key": "-----BEGIN PRIVATE KEY-----\n` + Fake(b64, 64, 10) + `\n-----END PRIVATE KEY-----\n"}`,
				"-----BEGIN OPENSSH PRIVATE KEY-----\r\n" + Fake(b64, 70, 11) + "\r\n",
			},
		}),
		sec(&Rule{
			ID:          "github-token",
			Description: "GitHub token",
			Keywords:    []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_"},
			Pattern:     regexp.MustCompile(`\b((?:ghp|gho|ghu|ghs|ghr)_[0-9A-Za-z]{36})\b`),
			Group:       1,
			MinEntropy:  3,
			Good:        []string{"ghp_" + strings.Repeat("x", 36), "ghp_short"},
			Bad:         []string{"GITHUB_TOKEN=ghp_" + Fake(alnum, 36, 12), "token: gho_" + Fake(alnum, 36, 13)},
		}),
		sec(&Rule{
			ID:          "github-fine-grained-token",
			Description: "GitHub fine-grained personal access token",
			Keywords:    []string{"github_pat_"},
			Pattern:     regexp.MustCompile(`\b(github_pat_[0-9A-Za-z_]{82})\b`),
			Group:       1,
			MinEntropy:  3,
			Good:        []string{"github_pat_" + strings.Repeat("0", 82)},
			Bad:         []string{"github_pat_" + Fake(alnum, 22, 14) + "_" + Fake(alnum, 59, 15)},
		}),
		sec(&Rule{
			ID:          "gitlab-token",
			Description: "GitLab token",
			Keywords:    []string{"glpat-", "glrt-", "gldt-", "glft-", "glsoat-", "glffct-", "glimt-", "glagent-", "gloas-", "glptt-", "glcbt-", "gr1348941", "_gitlab_session="},
			Pattern: regexp.MustCompile(`(?:\b|_gitlab_session=)(` +
				`gl(?:pat|rt)-[0-9A-Za-z_\-]{27,300}\.[0-9a-z]{2}[0-9a-z]{7}` +
				`|glrt-t[0-9]_[0-9A-Za-z_\-]{27,300}\.[0-9a-z]{2}[0-9a-z]{7}` +
				`|(?:glpat|glrt|gldt|glft|glsoat|glffct)-[0-9A-Za-z_\-]{20}` +
				`|glimt-[0-9A-Za-z_\-]{25}|glagent-[0-9A-Za-z_\-]{50}|gloas-[0-9A-Za-z_\-]{64}` +
				`|glptt-[0-9a-f]{40}|glcbt-[0-9A-Za-z]{1,5}_[0-9A-Za-z_\-]{20}|GR1348941[0-9A-Za-z_\-]{20}` +
				`|[0-9a-z]{32}\b)`),
			Group:      1,
			MinEntropy: 3,
			MaxLen:     400,
			Good:       []string{"glpat-xxxxxxxxxxxxxxxxxxxx", "glrt-", "_gitlab_session=abc"},
			Bad: []string{
				"CI_TOKEN=glpat-" + Fake(urlsafe, 20, 16),
				"runner: glrt-" + Fake(alnum, 20, 44),
				"deploy = \"gldt-" + Fake(alnum, 20, 45) + "\"",
				"oauth: gloas-" + Fake(alnum, 64, 46),
				"trigger = glptt-" + Fake(hexLower, 40, 47),
				"job: glcbt-" + Fake(alnum, 2, 48) + "_" + Fake(alnum, 20, 49),
				"Cookie: _gitlab_session=" + Fake("abcdefghijklmnopqrstuvwxyz0123456789", 32, 50),
			},
		}),
		sec(&Rule{
			ID:          "slack-token",
			Description: "Slack token",
			Keywords:    []string{"xoxb-", "xoxp-", "xoxa-", "xoxo-", "xoxr-", "xoxs-", "xoxe-", "xoxe.", "xapp-"},
			Pattern: regexp.MustCompile(`\b(` +
				`xox[pe](?:-[0-9]{10,13}){3}-[a-zA-Z0-9\-]{28,34}` +
				`|xoxb-[0-9]{10,13}-[0-9]{10,13}[a-zA-Z0-9\-]*` +
				`|xoxb-[0-9]{8,14}-[a-zA-Z0-9]{18,26}` +
				`|xox[ar]-(?:[0-9]-)?[0-9a-zA-Z]{8,48}` +
				`|xox[os]-[0-9]+-[0-9]+-[0-9]+-[a-fA-F0-9]+` +
				`|(?i:xapp-[0-9]-[A-Z0-9]+-[0-9]+-[a-z0-9]+)` +
				`|(?i:xoxe\.xox[bp]-[0-9]-[A-Z0-9]{163,166})` +
				`|(?i:xoxe-[0-9]-[A-Z0-9]{146})` +
				`)`),
			Group:      1,
			MinEntropy: 2,
			Accept:     placeholder,
			Good:       []string{"xoxb-not-a-token", "xoxb-xxx", "xoxe.xoxp-1-SlackAppConfigurationAccessTokenHere"},
			Bad: []string{
				"SLACK_BOT_TOKEN=xoxb-" + Fake("0123456789", 12, 17) + "-" + Fake("0123456789", 13, 18) + "-" + Fake(alnum, 24, 19),
				"legacy = xoxs-" + Fake("0123456789", 12, 51) + "-" + Fake("0123456789", 9, 52) + "-" + Fake("0123456789", 10, 53) + "-" + Fake(hexLower, 10, 54),
				"workspace: xoxa-2-" + Fake(alnum, 30, 55),
				"app = xapp-1-A" + Fake(upperDigits, 10, 56) + "-" + Fake("0123456789", 13, 57) + "-" + Fake(hexLower, 64, 58),
			},
		}),
		sec(&Rule{
			ID:          "slack-webhook",
			Description: "Slack incoming webhook URL",
			Keywords:    []string{"hooks.slack.com"},
			Pattern:     regexp.MustCompile(`hooks\.slack\.com/(?:services|workflows|triggers)/([A-Za-z0-9+/]{43,})`),
			Group:       1,
			Good:        []string{"https://hooks.slack.com/services/..."},
			Bad:         []string{"url = \"https://hooks.slack.com/services/T" + Fake(upperDigits, 8, 20) + "/B" + Fake(upperDigits, 8, 21) + "/" + Fake(alnum, 24, 22) + "\""},
		}),
		sec(&Rule{
			ID:          "stripe-key",
			Description: "Stripe API key",
			Keywords:    []string{"sk_live_", "rk_live_", "sk_test_", "rk_test_", "sk_prod_", "rk_prod_"},
			Pattern:     regexp.MustCompile(`\b((?:sk|rk)_(?:live|test|prod)_[0-9A-Za-z]{10,99})\b`),
			Group:       1,
			MinEntropy:  2,
			Accept:      placeholder,
			Good:        []string{"sk_live_yourkeyhere"},
			Bad:         []string{"Stripe::setApiKey('sk_live_" + Fake(alnum, 24, 23) + "');", "key := `sk_prod_" + Fake(alnum, 60, 59) + "`"},
		}),
		sec(&Rule{
			ID:          "openai-key",
			Description: "OpenAI API key",
			Keywords:    []string{"t3blbkfj"},
			Pattern:     regexp.MustCompile(`\b(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,74}T3BlbkFJ[A-Za-z0-9_\-]{20,74})\b`),
			Group:       1,
			Good:        []string{"T3BlbkFJ alone"},
			Bad:         []string{"OPENAI_API_KEY=sk-proj-" + Fake(urlsafe, 40, 24) + "T3BlbkFJ" + Fake(urlsafe, 40, 25)},
		}),
		sec(&Rule{
			ID:          "anthropic-key",
			Description: "Anthropic API key",
			Keywords:    []string{"sk-ant-"},
			Pattern:     regexp.MustCompile(`\b(sk-ant-(?:api03|admin01)-[A-Za-z0-9_\-]{93}AA)(?:[^A-Za-z0-9_\-]|$)`),
			Group:       1,
			Good:        []string{"sk-ant-api03-short"},
			Bad:         []string{"ANTHROPIC_API_KEY=sk-ant-api03-" + Fake(alnum, 93, 26) + "AA"},
		}),
		sec(&Rule{
			ID:          "npm-token",
			Description: "npm access token",
			Keywords:    []string{"npm_"},
			Pattern:     regexp.MustCompile(`\b(npm_[A-Za-z0-9]{36})\b`),
			Group:       1,
			MinEntropy:  3,
			Good:        []string{"npm_config_registry=https://example"},
			Bad:         []string{"//registry.npmjs.org/:_authToken=npm_" + Fake(alnum, 36, 27)},
		}),
		sec(&Rule{
			ID:          "pypi-token",
			Description: "PyPI upload token",
			Keywords:    []string{"pypi-ageichlwas5vcmc"},
			Pattern:     regexp.MustCompile(`(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,})`),
			Group:       1,
			Good:        []string{"pypi-AgEIcHlwaS5vcmc"},
			Bad:         []string{"password = pypi-AgEIcHlwaS5vcmc" + Fake(urlsafe, 60, 28)},
		}),
		sec(&Rule{
			ID:          "sendgrid-key",
			Description: "SendGrid API key",
			Keywords:    []string{"sg."},
			Pattern:     regexp.MustCompile(`\b(SG\.[A-Za-z0-9=_\-.]{66})(?:[^A-Za-z0-9=_\-.]|$)`),
			Group:       1,
			MinEntropy:  2,
			Good:        []string{"msg.Send()"},
			Bad:         []string{"SENDGRID_API_KEY=SG." + Fake(urlsafe, 22, 29) + "." + Fake(urlsafe, 43, 30)},
		}),
		sec(&Rule{
			ID:          "digitalocean-token",
			Description: "DigitalOcean token",
			Keywords:    []string{"dop_v1_", "doo_v1_", "dor_v1_"},
			Pattern:     regexp.MustCompile(`\b((?:dop|doo|dor)_v1_[a-f0-9]{64})\b`),
			Group:       1,
			Good:        []string{"dop_v1_"},
			Bad:         []string{"token: dop_v1_" + Fake(hexLower, 64, 31)},
		}),
		sec(&Rule{
			ID:          "shopify-token",
			Description: "Shopify access token",
			Keywords:    []string{"shpat_", "shpss_", "shpca_", "shppa_"},
			Pattern:     regexp.MustCompile(`\b(shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32})\b`),
			Group:       1,
			Good:        []string{"shpat_"},
			Bad:         []string{"X-Shopify-Access-Token: shpat_" + Fake(hexLower, 32, 32)},
		}),
		sec(&Rule{
			ID:          "vault-token",
			Description: "HashiCorp Vault or Terraform Cloud token",
			Keywords:    []string{"hvs.", "hvb.", "s.", "atlasv1"},
			Pattern: regexp.MustCompile(`\b(hvs\.[A-Za-z0-9_\-]{90,120}|hvb\.[A-Za-z0-9_\-]{138,300}|s\.[A-Za-z0-9]{24}` +
				`|(?i:[a-z0-9]{14})\.atlasv1\.(?i:[a-z0-9\-_=]{60,70}))(?:[^A-Za-z0-9_\-=]|$)`),
			Group:      1,
			MinEntropy: 3.5,
			MaxLen:     400,
			Near:       vaultNear,
			Accept: func(s []byte) bool {
				if !bytes.HasPrefix(s, []byte("s.")) {
					return true
				}
				// s. and 24 letters is also code (s.getDerivedStateFromProps):
				// a token mixes digits and both cases.
				var d, u, l bool
				for _, c := range s[2:] {
					d = d || c >= '0' && c <= '9'
					u = u || c >= 'A' && c <= 'Z'
					l = l || c >= 'a' && c <= 'z'
				}
				return d && u && l
			},
			Good: []string{"hvs.short", "this.props.x", "s.substring(1)"},
			Bad: []string{
				"VAULT_TOKEN=hvs." + Fake(urlsafe, 95, 33),
				"token: s." + Fake(alnum, 24, 60),
				"vault = hvb." + Fake(urlsafe, 150, 61),
				"token = \"" + Fake("abcdefghijklmnopqrstuvwxyz0123456789", 14, 62) + ".atlasv1." + Fake("abcdefghijklmnopqrstuvwxyz0123456789", 66, 63) + "\"",
			},
		}),
		sec(&Rule{
			ID:          "jwt",
			Description: "JSON Web Token",
			Keywords:    []string{"ey", "zxlk"},
			// A JWT, signed or not, or a JWT encoded once more in base64.
			Pattern:    regexp.MustCompile(`\b(ey[A-Za-z0-9]{17,}\.ey[A-Za-z0-9/\\_\-]{17,}\.(?:[A-Za-z0-9/\\_\-]{10,}={0,2})?|ZXlK[A-Za-z0-9/\\_+\-\r\n]{40,}={0,2})`),
			Group:      1,
			MinEntropy: 2,
			MaxLen:     8192,
			Near:       jwtNear,
			Accept:     jwtShaped,
			Good:       []string{"eyJhbGciOiJIUzI1NiJ9 alone", "they said", "key.value"},
			Bad: []string{
				"Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ" + Fake(urlsafe, 40, 34) + "." + Fake(urlsafe, 43, 35),
				"unsigned = eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0NTY3ODkwIn0.",
				"wrapped: " + base64.StdEncoding.EncodeToString([]byte("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ"+Fake(urlsafe, 40, 64)+"."+Fake(urlsafe, 43, 65))),
			},
		}),
		sec(&Rule{
			ID:          "generic-secret",
			Description: "high-entropy value assigned to a secret-like name",
			Keywords:    []string{"key", "secret", "token", "passw", "pwd", "auth", "credential", "creds", "api"},
			// The name, then an assignment (= := ::= ?= .= => : , or
			// the end of an XML element's opening tag), then the value,
			// quoted or not.
			Pattern: regexp.MustCompile(`(?i)([a-z0-9_\-]{0,24}(?:key|secret|token|passw(?:or)?d|passwd|pwd|auth|credentials?|creds|api)[a-z0-9_.\-]{0,20})` +
				`(?:\s+(?:string|str|\[\]byte))?(?:["']?[ \t]*(?::{1,3}=|\?=|\.=|=>|=|:)[ \t]*|["'][ \t]*,[ \t]*|>\s*)(["'\x60]?)([A-Za-z0-9_\-+/=.~]{16,128})(?:["'\x60<\s;,)]|\\[nr]|$)`),
			Group:      3,
			MinEntropy: genericEntropy,
			Near:       assigned,
			Spill:      200,
			Accept: func(s []byte) bool {
				if !placeholder(s) {
					return false
				}
				var digit, letter bool
				dots := 0
				for _, c := range s {
					switch {
					case '0' <= c && c <= '9':
						digit = true
					case 'a' <= lower[c] && lower[c] <= 'z':
						letter = true
					case c == '.':
						dots++
					}
				}
				return digit && letter && dots < 2 && !slug(s) && !sequential(s) && !publishedExample[string(s)]
			},
			Reject: func(g [][]byte) bool {
				// A value without quotes is code more often than a
				// secret: a member (a.b) or a low-entropy word is not one.
				unquoted := len(g[2]) == 0 && (dottedName(g[3]) || Entropy(g[3]) < 4)
				return publicName(g[1]) || fileName(g[1]) || unquoted
			},
			Good: []string{
				`api_key = "your-api-key-here"`,
				`$key = 'wp_default_editor_settings';`,
				`token: "${{ secrets.GITHUB_TOKEN }}"`,
				`password = os.Getenv("DB_PASSWORD")`,
				`"key": "com.example.app.v1"`,
				`secret := "` + Fake(b64, 32, 36) + `" // aos:allow`,
				`key: "incorrect-break-multiple-h1"`,
				`openssl_sign($signHeader, $signature, $privKey, 'sha256WithRSAEncryption')`,
				`define( 'AUTH_KEY', 'put your unique phrase here' );`,
				`"wp-includes/css/wp-auth-check.css": "c27f2590f84cf5c5d4a57c6c221d8ed8",`,
				`"wp-admin/js/application-passwords.min.js": "34d2b935825e3d74ee180f434be655fa",`,
				`public_key = "9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit"`,
				`"credentialId": "B9mTcFSck2LzJO2S3ols63",`,
				`const keyStr = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"`,
				`"X-API-Name": "NRG0-Hermes-INTERNAL-API",`,
				`token = getToken(session1)`,
			},
			Bad: []string{
				`api_key = "` + Fake(alnum, 32, 37) + `"`,
				`'client_secret' => '` + Fake(alnum, 40, 38) + `',`,
				`DB_PASSWORD: "` + Fake(alnum, 20, 39) + `"`,
				`define( 'AUTH_KEY', '` + Fake(b64, 64, 40) + `' );`,
				`creds = ` + Fake(alnum, 30, 66),
				"<apiToken>\n    " + Fake(alnum, 32, 67) + "\n</apiToken>",
				`API_TOKEN ?= "` + Fake(alnum, 32, 68) + `"`,
				`$authToken .= "` + Fake(alnum, 32, 69) + `"`,
				`{"config.ini": "API_TOKEN=` + Fake(alnum, 32, 70) + `\nDEBUG=1"}`,
			},
		}),
	}
}
