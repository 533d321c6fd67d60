/**
 * anypoint-cli-v4 (a devDependency, for test/sandbox/anypoint-cli) depends on puppeteer, whose install
 * script downloads a browser. Nothing here uses it (the CLI only opens one for an interactive MFA login),
 * so the download is skipped: `npm install` then needs no access beyond the npm registry.
 * Puppeteer reads this file; it ignores npm config such as .npmrc's puppeteer_skip_download.
 */
module.exports = { skipDownload: true };
