// A citizen on the /widget page (rasa-webchat) opts in with the offer's button; the admin, in the
// console, previews and sends a campaign; the citizen comes back to the widget and sees it. In
// Debian's headless chromium driven by playwright-core. Prints one JSON object with what both
// pages showed; tests/server/test_campaigns_browser.py makes the assertions.
//   node campaign_check.cjs <base-url> <chromium> <playwright-core dir> <admin password> <screenshot-prefix>
const fs = require("fs");
const os = require("os");
const path = require("path");

const [base, chromiumPath, playwrightDir, password, shots] = process.argv.slice(2);
const { chromium } = require(playwrightDir);
const TIMEOUT = 30000;
const NOTICE = "Cảnh báo: trang web giả mạo Cổng dịch vụ công đang lan truyền.";

async function waitForResponse(page, needle) {
  await page.waitForFunction(
    (needle) => Array.from(document.querySelectorAll(".rw-response")).some((n) => n.innerText.includes(needle)),
    needle, { timeout: TIMEOUT },
  );
  const texts = await page.$$eval(".rw-response", (nodes) => nodes.map((n) => n.innerText.trim()));
  return texts.find((t) => t.includes(needle));
}

function watch(page, requests, errors) {
  page.on("requestfinished", (r) => requests.push({ url: r.url(), outcome: "ok" }));
  page.on("requestfailed", (r) => requests.push({ url: r.url(), outcome: (r.failure() || {}).errorText || "failed" }));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
}

(async () => {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dvc-chromium-"));
  const result = { citizenRequests: [], staffRequests: [], citizenErrors: [], staffErrors: [] };
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath, headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
  });
  try {
    // the citizen gets a relevant answer, then the offer with its button, and presses it
    const citizen = context.pages()[0] || (await context.newPage());
    watch(citizen, result.citizenRequests, result.citizenErrors);
    await citizen.goto(`${base}/widget`, { waitUntil: "load" });
    await citizen.waitForSelector(".rw-new-message", { timeout: TIMEOUT });
    await citizen.fill(".rw-new-message", "/marked_security_answer");
    await citizen.press(".rw-new-message", "Enter");
    result.offer = await waitForResponse(citizen, "Bạn có muốn nhận thông báo");
    await citizen.waitForSelector(".rw-reply", { timeout: TIMEOUT });
    result.buttons = await citizen.$$eval(".rw-reply", (nodes) => nodes.map((n) => n.innerText.trim()));
    await citizen.click(".rw-reply");
    result.confirmation = await waitForResponse(citizen, "Bạn đã đăng ký nhận tin");
    await citizen.goto("about:blank");  // the citizen leaves

    // the admin writes, previews and sends a campaign
    const staff = await context.newPage();
    watch(staff, result.staffRequests, result.staffErrors);
    await staff.goto(`${base}/staff/login`, { waitUntil: "load" });
    await staff.fill("input[name=username]", "admin");
    await staff.fill("input[name=password]", password);
    await Promise.all([staff.waitForNavigation(), staff.click("button[type=submit]")]);
    await Promise.all([staff.waitForNavigation(), staff.click("header a:has-text(\"Chiến dịch\")")]);
    result.listUrl = staff.url();
    await staff.selectOption("select[name=topic]", "canh-bao-lua-dao");
    await staff.fill("textarea[name=text]", NOTICE);
    await Promise.all([staff.waitForNavigation(), staff.click("button:has-text(\"Xem trước\")")]);
    result.preview = await staff.$eval(".msg", (n) => n.innerText);
    result.previewRows = await staff.$$eval("tbody tr", (rows) => rows.map((r) => r.innerText.replace(/\s+/g, " ").trim()));
    await Promise.all([staff.waitForNavigation(), staff.click("button:has-text(\"Gửi cho\")")]);
    result.afterSend = await staff.$eval("[role=status]", (n) => n.innerText);
    result.campaignUrl = staff.url();

    // the citizen opens the widget again: the notice is there
    await citizen.goto(`${base}/widget`, { waitUntil: "load" });
    result.notice = await waitForResponse(citizen, NOTICE);
    const deadline = Date.now() + TIMEOUT;  // the report page, reloaded until the notice counts as shown
    do {
      await staff.reload({ waitUntil: "load" });
      result.report = await staff.$$eval("tbody tr", (rows) => rows.map((r) => r.innerText.replace(/\s+/g, " ").trim()));
    } while (!result.report.some((row) => row.includes("đã hiện 1")) && Date.now() < deadline);
    await staff.screenshot({ path: `${shots}-staff.png`, fullPage: true });
    await citizen.screenshot({ path: `${shots}-citizen.png`, fullPage: true });
  } catch (error) {
    result.error = String((error && error.stack) || error);
  } finally {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(result) + "\n");
})();
