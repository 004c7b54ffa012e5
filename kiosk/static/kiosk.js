// The kiosk's touch UI. The program's state (GET /api/state, long-polled) decides the screen;
// this file only draws it and sends touches (POST /api/<command>). Chinese first, English on
// the switch; every visit starts in Chinese again.
"use strict";

const T = {
  zh: {
    brand: "厦门市交通运输局 · 网约车自助办理", lang: "English",
    foot: "12328 交通运输服务监督热线 · 身份信息仅用于本次办理，不在本机保存",
    waiting: "请将身份证平放在读卡区", waitingSub: "放好后请勿移动，读取约需 1 秒",
    offers: ["驾驶员证核发", "驾驶员证换发", "驾驶员证补发", "驾驶员证注销"],
    reading: "正在读取身份证，请勿移开…", verifying: "正在核验身份信息…",
    hello: "您好，", yourCerts: "您持有的证件", noCerts: "您目前没有有效的证件。",
    validUntil: "有效期至", version: "第 {n} 版", chooseMatter: "请选择要办理的事项",
    finish: "结束办理", back: "返回", confirm: "确认办理", confirmCancel: "确认注销",
    reissueReason: "补发原因", lost: "遗失", damaged: "损毁", chooseReason: "请选择补发原因",
    mailTo: "新证件将免费邮寄到以下地址，请核对：", recipient: "收件人", phone: "联系电话（手机）",
    region: "所在地区", detail: "详细地址（街道、门牌号）", chooseRegion: "请选择所在地区",
    padFor: "正在输入：", clear: "清空", del: "删除", keyboard: "屏幕键盘", space: "空格",
    typeName: "输入拼音选字，如 chen → 陈", typeAddress: "输入拼音选字，或点下方常用字",
    previous: "上一页", next: "下一页", pickProvince: "请选择省份", pickCity: "请选择城市",
    pickCounty: "请选择区、县",
    cancelWarning: "注销后，您的网约车驾驶员证立即失效，不能再从事网约车经营服务。确定要注销吗？",
    required: "请填写此项", badPhone: "请填写11位手机号码或固定电话", badRegion: "请选择所在地区",
    badDetail: "请填写至少4个字的详细地址",
    submitting: "正在办理，请稍候…", dontRemove: "请勿移开身份证",
    resultTitle: "办理结果", appNo: "办件编号",
    receipt: "办理回执", receiptScan: "用手机扫码查看办理进度，或拍照保存本回执", receiptAt: "受理时间（北京时间）",
    status: {
      issued: "已办结：新证件已签发", approved: "已办结", awaiting_exam: "资格审核通过，待考试",
      awaiting_review: "已受理，转人工审核", rejected: "不符合办理条件", submitted: "已提交",
      checking: "核验中", awaiting_province: "待省厅办理", withdrawn: "已撤回",
    },
    statusMore: {
      issued: "证件将邮寄到您填写的地址，可在 i厦门 查看寄递进度。",
      approved: "证件已注销。", awaiting_exam: "请按短信通知参加全国公共科目和区域科目考试，考试合格后自动发证。",
      awaiting_review: "部分部门暂时无法核验，工作人员将尽快审核，结果会通过短信和 i厦门 通知您。",
      rejected: "原因如下（如有疑问，请到服务窗口咨询或拨打 12328）：",
    },
    short: {
      "driver-cert-issue": "驾驶员证核发", "driver-cert-renew": "驾驶员证换发",
      "driver-cert-reissue": "驾驶员证补发", "driver-cert-cancel": "驾驶员证注销",
    },
    hints: {
      "driver-cert-issue": "首次申请，资格审核后参加考试", "driver-cert-renew": "证件到期换发新证，即时办结并邮寄",
      "driver-cert-reissue": "证件遗失或损坏时补发，即时办结并邮寄", "driver-cert-cancel": "不再从事网约车服务时注销",
    },
    rateNow: "评价本次服务", rateTitle: "请为本次服务评价", rateSub: "好差评 · 一次一评，您的评价将用于改进服务",
    levels: { 5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意" },
    comment: "意见或建议（可不填）", submitRating: "提交评价", skip: "跳过",
    retry: "重试", reread: "重新读取", takeCard: "请取走您的身份证。",
    again: "继续办理（重新读卡）",
    idle: "{s} 秒后将自动退出并清除信息，点击屏幕任意位置继续",
    outOfService: "暂停服务",
  },
  en: {
    brand: "Xiamen Transport Bureau · Ride-hailing self-service", lang: "中文",
    foot: "12328 transport service hotline · Your identity is used for this visit only and never stored on this kiosk",
    waiting: "Place your ID card flat on the reader", waitingSub: "Keep it still; reading takes about a second",
    offers: ["Driver certificate: issue", "renew", "reissue", "cancel"],
    reading: "Reading your ID card — please keep it in place…", verifying: "Verifying your identity…",
    hello: "Hello, ", yourCerts: "Your certificates", noCerts: "You hold no valid certificate.",
    validUntil: "Valid until", version: "version {n}", chooseMatter: "What would you like to do?",
    finish: "Finish", back: "Back", confirm: "Confirm", confirmCancel: "Cancel my certificate",
    reissueReason: "Why is it reissued?", lost: "Lost", damaged: "Damaged", chooseReason: "Choose a reason",
    mailTo: "The new certificate is mailed free of charge to this address. Please check it:",
    recipient: "Recipient", phone: "Phone (mobile)", region: "Region", detail: "Street address",
    chooseRegion: "Choose the region", padFor: "Typing: ", clear: "Clear", del: "Delete",
    keyboard: "On-screen keyboard", space: "Space",
    typeName: "Type pinyin and pick the character, e.g. chen → 陈",
    typeAddress: "Type pinyin and pick, or tap a common word below (addresses are written in Chinese)",
    previous: "Previous", next: "Next", pickProvince: "Choose the province", pickCity: "Choose the city",
    pickCounty: "Choose the district or county",
    cancelWarning: "After cancellation your driver certificate is void at once and you may no longer drive for a ride-hailing platform. Cancel it?",
    required: "Required", badPhone: "Enter an 11-digit mobile or a landline number", badRegion: "Choose the region",
    badDetail: "Enter at least 4 characters",
    submitting: "Working on it, please wait…", dontRemove: "Keep your ID card on the reader",
    resultTitle: "Result", appNo: "Application number",
    receipt: "Receipt", receiptScan: "Scan with your phone to follow it, or take a photo of this receipt", receiptAt: "Received (Beijing time)",
    status: {
      issued: "Done: the new certificate is issued", approved: "Done", awaiting_exam: "Checks passed: exams next",
      awaiting_review: "Received: a clerk will review it", rejected: "Not eligible", submitted: "Submitted",
      checking: "Checking", awaiting_province: "With the province", withdrawn: "Withdrawn",
    },
    statusMore: {
      issued: "It will be mailed to the address you gave; follow the delivery in the i厦门 app.",
      approved: "The certificate is cancelled.", awaiting_exam: "Take the national and the regional exam when notified by SMS; passing both issues the certificate.",
      awaiting_review: "Some departments could not be checked just now. A clerk will review it soon; you will be notified by SMS and in i厦门.",
      rejected: "Reasons (with questions, ask at a service counter or call 12328):",
    },
    short: {
      "driver-cert-issue": "Apply for a driver certificate", "driver-cert-renew": "Renew my certificate",
      "driver-cert-reissue": "Replace a lost or damaged one", "driver-cert-cancel": "Cancel my certificate",
    },
    hints: {
      "driver-cert-issue": "First application; exams after the checks", "driver-cert-renew": "A new certificate at once, mailed to you",
      "driver-cert-reissue": "A copy at once, mailed to you", "driver-cert-cancel": "If you stop driving for a platform",
    },
    rateNow: "Rate this service", rateTitle: "How was this service?", rateSub: "One rating per visit; it helps us improve",
    levels: { 5: "Very satisfied", 4: "Satisfied", 3: "Fairly satisfied", 2: "Dissatisfied", 1: "Very dissatisfied" },
    comment: "Comments (optional)", submitRating: "Send rating", skip: "Skip",
    retry: "Try again", reread: "Read again", takeCard: "Please take your ID card.",
    again: "Continue (read my card again)",
    idle: "Leaving in {s} s and clearing your details. Touch the screen to continue.",
    outOfService: "Out of service",
  },
};
const IDLE_SCREENS = new Set(["holder", "confirm", "result", "rating", "problem"]);
const IDLE_WARNING_SECONDS = 15;

let lang = "zh";
let state = null;
let draft = null;          // the address being edited, per transaction
let padTarget = "phone";
let ratingLevel = null;
let ratingComment = "";
let lastActivity = Date.now();
let lastTouchSent = 0;
window.kioskTimings = {};   // read by the benchmark: when each screen was first drawn

const $ = (selector) => document.querySelector(selector);
const t = (key) => T[lang][key];
const esc = (value) => String(value ?? "").replace(/[&<>"']/g,
  (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const pick = (zh, en) => esc(lang === "en" && en ? en : zh);
const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, k) => values[k]);

// -- talking to the kiosk program ---------------------------------------------------------------

async function poll() {
  for (;;) {
    try {
      const response = await fetch(`/api/state?after=${state ? state.version : -1}`, { cache: "no-store" });
      accept(await response.json());
    } catch (error) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

async function send(command, body = {}) {
  lastActivity = Date.now();
  lastTouchSent = Date.now();
  try {
    const response = await fetch(`/api/${command}`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    accept(await response.json());
  } catch (error) { /* the long poll will bring the state */ }
}

function accept(next) {
  if (!next || typeof next.version !== "number") return;
  // A reply older than what the long poll already brought is dropped (same program run only:
  // a restarted program counts from zero again).
  if (state && next.run === state.run && next.version <= state.version) return;
  const screenChanged = !state || state.screen !== next.screen;
  state = next;
  lastActivity = Date.now();
  if (state.screen === "waiting") { lang = "zh"; draft = null; ratingLevel = null; ratingComment = ""; }
  if (screenChanged) window.scrollTo(0, 0);
  render();
}

// -- drawing ----------------------------------------------------------------------------------

function render() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  $("#brand-title").textContent = t("brand");
  $("#brand-sub").textContent = lang === "zh" ? T.en.brand : T.zh.brand;
  $("#lang-switch").textContent = t("lang");
  $("#foot").textContent = t("foot");
  const screen = state ? state.screen : "loading";
  const draw = SCREENS[screen] || (() => "");
  $("#screen").innerHTML = draw(state);
  if (document.body.dataset.screen !== screen) {
    window.kioskTimings[screen] = performance.timeOrigin + performance.now();
    document.body.dataset.screen = screen;
  }
  updateIdleWarning();
}

function notice(item, tone = "warn") {
  return item ? `<div class="notice ${tone}" role="alert">${pick(item.message, item.message_en)}</div>` : "";
}

const SCREENS = {
  loading: () => "",

  waiting: (s) => `
    ${notice(s.notice)}
    <div class="center">
      <div class="card-art" aria-hidden="true"><div class="reader"></div><div class="idcard"></div></div>
      <h1>${t("waiting")}</h1>
      <p class="sub">${t("waitingSub")}</p>
      <div class="offers">${t("offers").map((o) => `<span>${esc(o)}</span>`).join("")}</div>
    </div>`,

  reading: (s) => `
    <div class="center">
      <div class="icon busy" aria-hidden="true"></div>
      <h1>${s.preview ? t("verifying") : t("reading")}</h1>
      ${s.preview ? `<p class="sub">${esc(s.preview.name_masked)} · ${esc(s.preview.id_number_masked)}</p>` : ""}
    </div>`,

  holder: (s) => `
    <div class="holder">
      <span class="who">${t("hello")}${esc(s.holder.name_masked)}</span>
      <span class="number">${esc(s.holder.id_number_masked)}</span>
      <button class="btn secondary end" data-action="finish" type="button">${t("finish")}</button>
    </div>
    <h2>${t("yourCerts")}</h2>
    <div class="certs">${s.certificates.length ? s.certificates.map(certificate).join("") : `<p class="none">${t("noCerts")}</p>`}</div>
    <h2>${t("chooseMatter")}</h2>
    <div class="actions">${s.matters.map(matterButton).join("")}</div>`,

  confirm: (s) => confirmScreen(s.choice),

  submitting: () => `
    <div class="center">
      <div class="icon busy" aria-hidden="true"></div>
      <h1>${t("submitting")}</h1>
      <p class="sub">${t("dontRemove")}</p>
    </div>`,

  result: (s) => resultScreen(s.application, s.choice),
  rating: () => ratingScreen(),

  finished: (s) => `
    <div class="center">
      <div class="icon ${s.finished.kind === "timeout" ? "warn" : "ok"}" aria-hidden="true">${s.finished.kind === "timeout" ? "!" : "✓"}</div>
      <h1>${pick(s.finished.message, s.finished.message_en)}</h1>
      ${s.finished.kind === "timeout" ? `<div class="buttons"><button class="btn secondary" data-action="reread" type="button">${t("again")}</button></div>` : ""}
    </div>`,

  problem: (s) => {
    const actions = s.problem.actions || [];
    const labels = { retry: t("retry"), back: t("back"), finish: t("finish"), reread: t("reread"), skip_rating: t("skip") };
    return `
    <div class="center">
      <div class="icon bad" aria-hidden="true">!</div>
      <p class="problem-text">${pick(s.problem.message, s.problem.message_en)}</p>
      ${actions.length ? "" : `<p class="sub">${t("takeCard")}</p>`}
      <div class="buttons">${actions.map((a, i) => `<button class="btn ${i === 0 ? "primary" : "secondary"}" data-action="${a}" type="button">${labels[a]}</button>`).join("")}</div>
    </div>`;
  },

  out_of_service: (s) => `
    <div class="center">
      <div class="icon warn" aria-hidden="true">!</div>
      <h1>${t("outOfService")}</h1>
      <p class="problem-text">${pick(s.problem.message, s.problem.message_en)}</p>
    </div>`,
};

function certificate(c) {
  return `<div class="cert">
    <span class="name">${pick(c.kind_name, c.kind_name_en)}</span>
    <span class="badge ${c.status === "valid" ? "valid" : "expired"}">${pick(c.status_name, c.status_name_en)}</span>
    <span class="meta">${esc(c.number_masked)} · ${fill(t("version"), { n: c.version })} · ${t("validUntil")} ${esc(c.valid_until)}</span>
  </div>`;
}

function matterButton(m) {
  const hint = T[lang].hints[m.code];
  const why = m.available ? (hint ? `<small>${esc(hint)}</small>` : "") : `<small>${pick(m.reason, m.reason_en)}</small>`;
  return `<button class="action" data-action="choose" data-matter="${esc(m.code)}" type="button" ${m.available ? "" : "disabled"}>
    <strong>${esc(T[lang].short[m.code] || (lang === "en" ? m.name_en : m.name))}</strong>${why}</button>`;
}

function confirmScreen(choice) {
  const title = `<h1>${pick(choice.name, choice.name_en)}</h1>`;
  if (!choice.needs_mailing_address) {
    return `${title}
      <p class="warning-box">${t("cancelWarning")}</p>
      <div class="buttons">
        <button class="btn danger" data-action="confirm" type="button">${t("confirmCancel")}</button>
        <button class="btn secondary" data-action="back" type="button">${t("back")}</button>
      </div>`;
  }
  if (!draft || draft.transaction !== choice.transaction_id) {
    const a = choice.mailing_address || {};
    draft = { transaction: choice.transaction_id, recipient: a.recipient || "", phone: a.phone || "",
              region_code: a.region_code || "", detail: a.detail || "", errors: {} };
    padTarget = "phone";
    pinyin = ""; candidatePage = 0; latin = false;
    picker = pickerAt(draft.region_code);
  }
  for (const field of (choice.error && choice.error.fields) || []) {
    draft.errors[field.split(".").pop()] = pick(choice.error.message, choice.error.message_en);
  }
  const error = (name) => draft.errors[name] ? `<span class="error">${esc(draft.errors[name])}</span>` : "";
  const invalid = (name) => draft.errors[name] ? " invalid" : "";
  const active = (name) => padTarget === name ? " active" : "";
  const region = regionName(draft.region_code);
  return `${title}
    ${choice.matter === "driver-cert-reissue" ? reasonPicker(error) : ""}
    <p class="sub">${t("mailTo")}</p>
    <div class="form">
      <div class="fields">
        <label class="field${invalid("recipient")}"><span>${t("recipient")}</span>
          <input data-field="recipient" data-pad="recipient" value="${esc(draft.recipient)}" maxlength="50" readonly inputmode="none" autocomplete="off" class="${active("recipient")}">${error("recipient")}</label>
        <label class="field${invalid("phone")}"><span>${t("phone")}</span>
          <input data-field="phone" data-pad="phone" value="${esc(draft.phone)}" readonly inputmode="none" class="${active("phone")}">${error("phone")}</label>
        <div class="field${invalid("region_code")}"><span>${t("region")}</span>
          <button type="button" class="region-choice${active("region")}" data-action="pad_to" data-target="region" id="region-choice">${region ? esc(region) : t("chooseRegion")}</button>
          ${error("region_code")}</div>
        <label class="field wide${invalid("detail")}"><span>${t("detail")}</span>
          <textarea data-field="detail" data-pad="detail" maxlength="200" readonly inputmode="none" class="${active("detail")}">${esc(draft.detail)}</textarea>${error("detail")}</label>
      </div>
      <div class="panel">${padTarget === "phone" ? digitPad() : padTarget === "region" ? regionPicker() : keyboard()}</div>
      <div class="buttons confirm-buttons">
        <button class="btn primary" data-action="confirm" type="button">${t("confirm")}</button>
        <button class="btn secondary" data-action="back" type="button">${t("back")}</button>
      </div>
    </div>`;
}

// -- the on-screen inputs: digits, a pinyin keyboard and the region picker --------------------

const LIMITS = { recipient: 50, phone: 12, detail: 200 };
const CANDIDATES_PER_PAGE = 8;
const QUICK = ["路", "街", "号", "栋", "单元", "室", "楼", "巷", "村", "小区"];
let pinyin = "";             // letters typed and not yet turned into a character
let candidatePage = 0;
let latin = false;           // the keyboard types letters as they are (A栋, B座)
let picker = null;           // { province, city, level: "province" | "city" | "county" }

function digitPad() {
  return `<div class="pad" role="group">
    <span class="target">${t("padFor")}${t("phone")}</span>
    ${["1", "2", "3", "4", "5", "6", "7", "8", "9"].map((k) => `<button type="button" data-action="pad" data-key="${k}">${k}</button>`).join("")}
    <button type="button" data-action="pad" data-key="clear">${t("clear")}</button>
    <button type="button" data-action="pad" data-key="0">0</button>
    <button type="button" data-action="pad" data-key="back">${t("del")}</button>
  </div>`;
}

// The syllable at the start of what was typed that the dictionary knows (the longest), and its
// characters: "xiamen" offers 夏厦下… for "xia", and "men" after one is chosen.
function syllable() {
  for (let n = Math.min(6, pinyin.length); n > 0; n -= 1) {
    const head = pinyin.slice(0, n);
    if (PINYIN[head]) return { head, characters: Array.from(PINYIN[head]) };
  }
  return { head: "", characters: [] };
}

function keyboard() {
  const key = (k, label = k, cls = "") => `<button type="button" class="key ${cls}" data-action="key" data-key="${esc(k)}">${esc(label)}</button>`;
  const { characters } = syllable();
  const pages = Math.max(1, Math.ceil(characters.length / CANDIDATES_PER_PAGE));
  candidatePage = Math.min(candidatePage, pages - 1);
  const shown = characters.slice(candidatePage * CANDIDATES_PER_PAGE, (candidatePage + 1) * CANDIDATES_PER_PAGE);
  const letters = ["qwertyuiop", "asdfghjkl", "zxcvbnm"].map((row) => Array.from(row));
  return `<div class="keyboard" role="group" aria-label="${t("keyboard")}">
    <div class="compose">
      <span class="pinyin" id="pinyin">${esc(pinyin) || `<small>${t(padTarget === "recipient" ? "typeName" : "typeAddress")}</small>`}</span>
      <span class="candidates">${shown.map((c) => `<button type="button" class="candidate" data-action="candidate" data-char="${esc(c)}">${esc(c)}</button>`).join("")}</span>
      <button type="button" class="key page" data-action="candidates" data-step="-1" ${candidatePage > 0 ? "" : "disabled"} aria-label="${t("previous")}">‹</button>
      <button type="button" class="key page" data-action="candidates" data-step="1" ${candidatePage < pages - 1 ? "" : "disabled"} aria-label="${t("next")}">›</button>
    </div>
    <div class="row">${Array.from("1234567890").map((k) => key(k)).join("")}${key("-")}</div>
    <div class="row">${letters[0].map((k) => key(k, latin ? k.toUpperCase() : k)).join("")}</div>
    <div class="row">${letters[1].map((k) => key(k, latin ? k.toUpperCase() : k)).join("")}${key("#")}</div>
    <div class="row">${key("mode", latin ? "英 EN" : "中 拼音", "wide mode")}${letters[2].map((k) => key(k, latin ? k.toUpperCase() : k)).join("")}${key("back", "⌫", "wide")}</div>
    <div class="row">${(padTarget === "detail" ? QUICK : []).map((k) => key(`=${k}`, k, "quick")).join("")}${key("space", t("space"), "space")}${key("clear", t("clear"), "wide")}</div>
  </div>`;
}

function type(text) {
  const limit = LIMITS[padTarget];
  draft[padTarget] = (draft[padTarget] + text).slice(0, limit);
}

function pressKey(k) {
  if (k === "mode") { latin = !latin; pinyin = ""; }
  else if (k === "back") { if (pinyin) pinyin = pinyin.slice(0, -1); else draft[padTarget] = Array.from(draft[padTarget]).slice(0, -1).join(""); }
  else if (k === "clear") { pinyin = ""; draft[padTarget] = ""; }
  else if (k === "space") {
    const { characters } = syllable();
    if (pinyin && characters.length) return choose(characters[candidatePage * CANDIDATES_PER_PAGE] || characters[0]);
    pinyin = ""; if (padTarget === "detail") type(" ");
  } else if (k.startsWith("=")) { pinyin = ""; type(k.slice(1)); }
  else if (/^[a-z]$/.test(k) && !latin) { if (pinyin.length < 12) pinyin += k; }
  else if (/^[a-z]$/.test(k)) type(k.toUpperCase());
  else type(k);
  candidatePage = 0;
  render();
}

function choose(character) {
  const { head } = syllable();
  type(character);
  pinyin = pinyin.slice(head.length);
  candidatePage = 0;
  render();
}

// Regions (GB/T 2260, regions.js): province → city → county, Fujian and Xiamen to start with.
function findRegion(code) {
  for (const [p, pName, cities] of REGIONS) {
    for (const [c, cName, counties] of cities) {
      for (const [k, kName] of counties) {
        if (k === code) return { province: p, city: c, names: [pName, cName === pName ? "" : cName, kName] };
      }
    }
  }
  return null;
}

function regionName(code) {
  const found = code && findRegion(code);
  return found ? found.names.join("") : "";
}

function pickerAt(code) {
  const found = code && findRegion(code);
  return found ? { province: found.province, city: found.city, level: "county" }
    : { province: "350000", city: "350200", level: "county" };
}

function regionPicker() {
  const province = REGIONS.find(([p]) => p === picker.province) || REGIONS[0];
  const city = province[2].find(([c]) => c === picker.city) || province[2][0];
  const crumb = (level, label) => `<button type="button" class="crumb${picker.level === level ? " on" : ""}" data-action="picker_level" data-level="${level}">${esc(label)} ▾</button>`;
  let options;
  if (picker.level === "province") {
    options = REGIONS.map(([p, name]) => [p, name, "picker_province"]);
  } else if (picker.level === "city") {
    options = province[2].map(([c, name]) => [c, name, "picker_city"]);
  } else {
    options = city[2].map(([k, name]) => [k, name, "picker_county"]);
  }
  return `<div class="regions" role="group" aria-label="${t("region")}">
    <div class="crumbs">${crumb("province", province[1])}${province[2].length > 1 || city[1] !== province[1] ? crumb("city", city[1]) : ""}<span class="hint">${t(picker.level === "county" ? "pickCounty" : picker.level === "city" ? "pickCity" : "pickProvince")}</span></div>
    <div class="options ${picker.level}">${options.map(([code, name, action]) => `<button type="button" class="option${code === draft.region_code ? " on" : ""}" data-action="${action}" data-code="${code}">${esc(name)}</button>`).join("")}</div>
  </div>`;
}

// A reissue (补发) says why: the certificate was lost or damaged.
function reasonPicker(error) {
  const reason = (code) => `<button type="button" class="option${draft.reason === code ? " on" : ""}" data-action="reissue_reason" data-code="${code}" aria-pressed="${draft.reason === code}">${t(code)}</button>`;
  return `<div class="field${draft.errors.reason ? " invalid" : ""}"><span>${t("reissueReason")}</span>
      <div class="options why">${reason("lost")}${reason("damaged")}</div>${error("reason")}</div>`;
}

function resultScreen(a, choice) {
  const tone = a.status === "rejected" ? "bad" : a.status === "awaiting_review" ? "warn" : "ok";
  const failed = (a.checks || []).filter((c) => c.outcome === "fail");
  const reasons = a.status === "rejected" && failed.length
    ? `<ul class="reasons">${failed.map((c) => `<li>${pick(c.reason, c.reason_en)}</li>`).join("")}</ul>` : "";
  const r = a.receipt;
  const receipt = r ? `
      <section class="receipt" id="receipt" aria-label="${t("receipt")}">
        <img class="qr" src="${esc(r.qr)}" alt="${t("receiptScan")}" width="240" height="240">
        <div class="receipt-text">
          <strong>${t("receipt")}</strong>
          <span>${t("appNo")}</span>
          <span class="appno" id="application-number">${esc(a.number)}</span>
          <span>${pick(r.matter_name, r.matter_name_en)} · ${t("receiptAt")} ${esc(r.at)}</span>
          <span class="where">${pick(r.where, r.where_en)}</span>
          <small>${t("receiptScan")}</small>
        </div>
      </section>` : `<div>${t("appNo")}</div><div class="appno" id="application-number">${esc(a.number)}</div>`;
  return `
    <div class="center result">
      <div class="icon ${tone}" aria-hidden="true">${tone === "ok" ? "✓" : "!"}</div>
      <h1>${esc(T[lang].status[a.status] || a.status)}</h1>
      <p class="sub">${choice ? pick(choice.name, choice.name_en) : esc(a.matter_name)}</p>
      <p class="sub">${esc(T[lang].statusMore[a.status] || "")}</p>
      ${reasons}
      ${receipt}
      <div class="buttons">
        <button class="btn primary" data-action="to_rating" type="button">${t("rateNow")}</button>
      </div>
    </div>`;
}

function ratingScreen() {
  const level = (n) => `<button type="button" class="level${ratingLevel === n ? " on" : ""}" data-action="level" data-level="${n}" aria-pressed="${ratingLevel === n}">
      <span class="stars">${"★".repeat(n)}${"☆".repeat(5 - n)}</span><strong>${T[lang].levels[n]}</strong></button>`;
  return `
    <h1>${t("rateTitle")}</h1>
    <p class="sub">${t("rateSub")}</p>
    <div class="levels">${[5, 4, 3, 2, 1].map(level).join("")}</div>
    <label class="field comment"><span>${t("comment")}</span>
      <textarea data-field="comment" maxlength="500">${esc(ratingComment)}</textarea></label>
    <div class="buttons">
      <button class="btn primary" data-action="rate" type="button" ${ratingLevel ? "" : "disabled"}>${t("submitRating")}</button>
      <button class="btn secondary" data-action="skip_rating" type="button">${t("skip")}</button>
    </div>`;
}

// -- touches ------------------------------------------------------------------------------------

function validAddress() {
  const errors = {};
  if (!draft.recipient.trim()) errors.recipient = t("required");
  if (!/^(1\d{10}|0\d{2,3}-?\d{7,8})$/.test(draft.phone)) errors.phone = t("badPhone");
  if (!findRegion(draft.region_code)) errors.region_code = t("badRegion");
  if (draft.detail.trim().length < 4) errors.detail = t("badDetail");
  draft.errors = errors;
  return Object.keys(errors).length === 0;
}

const ACTIONS = {
  lang: () => { lang = lang === "zh" ? "en" : "zh"; render(); },
  choose: (el) => send("choose", { matter: el.dataset.matter }),
  confirm: () => {
    if (state.choice.needs_mailing_address) {
      const reissue = state.choice.matter === "driver-cert-reissue";
      const valid = validAddress();
      if (reissue && !draft.reason) draft.errors.reason = t("chooseReason");
      if (!valid || draft.errors.reason) { state.choice.error = null; return render(); }
      const { recipient, phone, region_code, detail } = draft;
      return send("confirm", { mailing_address: { recipient: recipient.trim(), phone, region_code, detail: detail.trim() },
                               ...(reissue ? { reason: draft.reason } : {}) });
    }
    return send("confirm", {});
  },
  pad_to: (el) => { padTarget = el.dataset.target; pinyin = ""; render(); },
  pad: (el) => {
    const value = draft.phone;
    const key = el.dataset.key;
    draft.phone = key === "clear" ? "" : key === "back" ? value.slice(0, -1) : (value + key).slice(0, LIMITS.phone);
    const input = document.querySelector('[data-field="phone"]');
    if (input) input.value = draft.phone;
  },
  key: (el) => pressKey(el.dataset.key),
  candidate: (el) => choose(el.dataset.char),
  candidates: (el) => { candidatePage += Number(el.dataset.step); render(); },
  picker_level: (el) => { picker.level = el.dataset.level; render(); },
  picker_province: (el) => {
    const province = REGIONS.find(([p]) => p === el.dataset.code);
    picker = { province: province[0], city: province[2][0][0], level: province[2].length > 1 ? "city" : "county" };
    render();
  },
  picker_city: (el) => { picker.city = el.dataset.code; picker.level = "county"; render(); },
  picker_county: (el) => {
    draft.region_code = el.dataset.code;
    delete draft.errors.region_code;
    padTarget = "detail";
    render();
  },
  reissue_reason: (el) => { draft.reason = el.dataset.code; delete draft.errors.reason; render(); },
  level: (el) => { ratingLevel = Number(el.dataset.level); render(); },
  rate: () => ratingLevel && send("rate", { level: ratingLevel, comment: ratingComment }),
};

document.addEventListener("click", (event) => {
  const el = event.target.closest("[data-action]");
  if (!el || el.disabled) return;
  const action = el.dataset.action;
  (ACTIONS[action] || (() => send(action)))(el);
});

document.addEventListener("focusin", (event) => {
  const pad = event.target.dataset && event.target.dataset.pad;
  if (pad && pad !== padTarget) { padTarget = pad; pinyin = ""; render(); }
});

document.addEventListener("input", (event) => {
  const field = event.target.dataset && event.target.dataset.field;
  if (field === "comment") ratingComment = event.target.value;
  else if (draft && field in draft) draft[field] = event.target.value;
});

// Any touch or key keeps the visit alive; the program's idle clock hears about it (throttled).
for (const type of ["pointerdown", "keydown"]) {
  document.addEventListener(type, () => {
    lastActivity = Date.now();
    updateIdleWarning();
    if (state && IDLE_SCREENS.has(state.screen) && Date.now() - lastTouchSent > 2000) {
      lastTouchSent = Date.now();
      fetch("/api/touch", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" }).catch(() => {});
    }
  }, { capture: true });
}

function updateIdleWarning() {
  const box = $("#idle-warning");
  if (!state || !IDLE_SCREENS.has(state.screen)) { box.hidden = true; return; }
  const left = Math.ceil(state.idle_timeout - (Date.now() - lastActivity) / 1000);
  box.hidden = left > IDLE_WARNING_SECONDS || left <= 0;
  box.textContent = fill(t("idle"), { s: left });
}

setInterval(updateIdleWarning, 500);
render();
poll();
