// A citizen on the /widget page (rasa-webchat) and a staff member in the console, in Debian's
// headless chromium driven by playwright-core. Prints one JSON object with what both pages
// showed; tests/server/test_staff_browser.py makes the assertions.
//   node staff_check.cjs <base-url> <chromium> <playwright-core dir> <username> <password> <screenshot-prefix>
const fs = require("fs");
const os = require("os");
const path = require("path");

const [base, chromiumPath, playwrightDir, username, password, shots] = process.argv.slice(2);
const { chromium } = require(playwrightDir);
const TIMEOUT = 30000;
const FIRST = "Chào bạn, mình là cán bộ Lan. Bạn mang căn cước cũ đến bộ phận một cửa nhé.";
const AWAY = "Bạn còn cần hỏi gì thêm không?";

async function waitForResponse(page, needle) {
  await page.waitForFunction(
    (needle) => Array.from(document.querySelectorAll(".rw-response")).some((n) => n.innerText.includes(needle)),
    needle, { timeout: TIMEOUT },
  );
  const texts = await page.$$eval(".rw-response", (nodes) => nodes.map((n) => n.innerText.trim()));
  return texts.find((t) => t.includes(needle));
}

async function ask(page, text) {
  await page.fill(".rw-new-message", text);
  await page.press(".rw-new-message", "Enter");
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
    const citizen = context.pages()[0] || (await context.newPage());
    watch(citizen, result.citizenRequests, result.citizenErrors);
    await citizen.goto(`${base}/widget`, { waitUntil: "load" });
    await citizen.waitForSelector(".rw-new-message", { timeout: TIMEOUT });
    await ask(citizen, "gặp cán bộ");
    result.handoff = await waitForResponse(citizen, "YC-");

    // the staff member signs in, finds the request in the queue and replies
    const staff = await context.newPage();
    watch(staff, result.staffRequests, result.staffErrors);
    await staff.goto(`${base}/staff/`, { waitUntil: "load" });
    result.signInUrl = staff.url();
    await staff.fill("input[name=username]", username);
    await staff.fill("input[name=password]", password);
    await Promise.all([staff.waitForNavigation(), staff.click("button[type=submit]")]);
    result.queueUrl = staff.url();
    result.queue = await staff.$$eval("tbody tr", (rows) => rows.map((r) => r.innerText.replace(/\s+/g, " ").trim()));
    await Promise.all([staff.waitForNavigation(), staff.click("tbody tr a")]);
    result.thread = await staff.$$eval(".msg", (nodes) => nodes.map((n) => n.innerText.replace(/\s+/g, " ").trim()));
    await staff.fill("textarea[name=text]", FIRST);
    await Promise.all([staff.waitForNavigation(), staff.click("form[action$=\"/reply\"] button")]);
    result.afterReply = await staff.$eval("[role=status]", (n) => n.innerText);

    // the citizen sees it at once
    result.live = await waitForResponse(citizen, "cán bộ Lan");

    // the citizen leaves the page; a reply written meanwhile shows when the widget comes back
    await citizen.goto("about:blank");
    await staff.fill("textarea[name=text]", AWAY);
    await Promise.all([staff.waitForNavigation(), staff.click("form[action$=\"/reply\"] button")]);
    result.keptState = await staff.$$eval(".msg.staff .meta", (nodes) => nodes.map((n) => n.innerText));
    await citizen.goto(`${base}/widget`, { waitUntil: "load" });
    result.afterReturn = await waitForResponse(citizen, AWAY);

    // back to the bot: the citizen is told it is the bot again
    await Promise.all([staff.waitForNavigation(), staff.click("button:has-text(\"Trả lại cho trợ lý ảo\")")]);
    result.afterRelease = await staff.$eval("[role=status]", (n) => n.innerText);
    result.backToBot = await waitForResponse(citizen, "trò chuyện lại với trợ lý ảo");
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
