// The mediation room, live: a WebSocket brings each new event and who is present; posts go by fetch to the
// page's own form (its CSRF field included). Without this script the page works the same, refreshing itself.
// Resuming after a drop asks for ?after=<last id seen>, so nothing is lost and nothing is shown twice.
(function () {
  "use strict";

  var root = document.getElementById("room");
  if (!root || root.dataset.live !== "1" || !("WebSocket" in window)) {
    return;
  }
  var LIVE_COOKIE = "rv_room_live";
  var roomId = root.dataset.room;
  var list = document.getElementById("messages");
  var empty = document.getElementById("no-messages");
  var presenceList = document.getElementById("presence-list");
  var status = document.getElementById("room-status");
  var form = document.getElementById("post-form");
  var errorBox = document.getElementById("post-error");
  var last = parseInt(root.dataset.after, 10) || 0;
  var socket = null;
  var attempts = 0;
  var stopped = false;
  var heartbeat = null;
  var closedReason = "";
  var CAUCUS = { complainant: "诉求人", liaison: "部门联络员" };

  function setLiveCookie(on) {
    document.cookie = LIVE_COOKIE + "=" + (on ? "1; max-age=86400" : "; max-age=0") + "; path=/mediation; samesite=strict";
  }

  // The page came with a Refresh header (it cannot know this script runs): set the cookie that turns it off and
  // load the page once more, at once, rather than being reloaded mid-sentence later. Once per tab at most.
  if (root.dataset.refresh !== "0") {
    setLiveCookie(true);
    var reloaded = false;
    try {
      reloaded = sessionStorage.getItem("rv_room_reloaded") === roomId;
      sessionStorage.setItem("rv_room_reloaded", roomId);
    } catch (e) {
      reloaded = true;
    }
    if (!reloaded && document.cookie.indexOf(LIVE_COOKIE + "=1") !== -1) {
      location.replace(location.pathname + location.search);
      return;
    }
  }

  function say(text) {
    status.textContent = text;
  }

  function beijing(iso) {
    var parts = {};
    new Intl.DateTimeFormat("zh-CN", {
      timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23"
    }).formatToParts(new Date(iso)).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":" + parts.minute;
  }

  function append(event) {
    if (event.id <= last || document.getElementById("event-" + event.id)) {
      last = Math.max(last, event.id);
      return;
    }
    last = event.id;
    var item = document.createElement("li");
    item.id = "event-" + event.id;
    item.dataset.id = String(event.id);
    var author = document.createElement("strong");
    author.textContent = event.author;
    item.appendChild(author);
    if (event.caucus) {
      var badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = "单独沟通 · " + (CAUCUS[event.caucus] || event.caucus);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(badge);
    }
    var when = document.createElement("span");
    when.className = "muted";
    when.textContent = beijing(event.at);
    item.appendChild(document.createTextNode(" "));
    item.appendChild(when);
    var body = document.createElement("div");
    body.textContent = event.body;
    item.appendChild(body);
    var previous = list.querySelector("li.latest");
    if (previous) {
      previous.classList.remove("latest");
    }
    item.classList.add("latest");
    list.appendChild(item);
    if (empty) {
      empty.hidden = true;
    }
    item.scrollIntoView({ block: "nearest" });
  }

  function showPresence(people) {
    var counts = [];
    var byRole = {};
    people.forEach(function (who) {
      if (!(who.role in byRole)) {
        byRole[who.role] = 0;
        counts.push(who.role);
      }
      byRole[who.role] += 1;
    });
    presenceList.textContent = counts.map(function (role) {
      return byRole[role] === 1 ? role : role + "（" + byRole[role] + " 人）";
    }).join("、") || "暂无";
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(scheme + "//" + location.host + "/mediation/" + roomId + "/socket?after=" + last);
    socket.onopen = function () {
      attempts = 0;
      setLiveCookie(true);
      say("实时更新中。");
      heartbeat = setInterval(function () {
        if (socket.readyState === WebSocket.OPEN) {
          socket.send("ping");
        }
      }, 25000);
    };
    socket.onmessage = function (message) {
      var data = JSON.parse(message.data);
      if (typeof data.id === "number") {
        append(data);
      } else if (data.presence) {
        showPresence(data.presence);
      } else if (data.closed) {
        closedReason = data.closed;
      }
    };
    socket.onclose = function (closing) {
      clearInterval(heartbeat);
      socket = null;
      if (stopped) {
        return;
      }
      if (closing.code === 1008) {  // the mediation is over or access withdrawn: the page says which
        stopped = true;
        setLiveCookie(false);
        say((closedReason || "调解已结束或访问权限已失效") + "，实时连接已关闭。请刷新页面查看。");
        return;
      }
      attempts += 1;
      if (attempts >= 3) {
        setLiveCookie(false);  // if the socket keeps failing, let the page refresh itself again
      }
      var wait = Math.min(30000, 500 * Math.pow(2, attempts - 1)) * (0.75 + Math.random() / 2);
      say("连接中断，" + Math.ceil(wait / 1000) + " 秒后重新连接……");
      setTimeout(connect, wait);
    };
  }

  function errorOf(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var heading = page.querySelector("main h1, h1");
    return heading ? heading.textContent : "发送失败，请稍后重试";
  }

  if (form) {
    form.addEventListener("submit", function (submitting) {
      submitting.preventDefault();
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      errorBox.hidden = true;
      fetch(form.action, {
        method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin",
        redirect: "manual"
      }).then(function (answer) {
        // 303 to the page: stored (the socket brings it); anything else is an error page naming the refusal
        if (answer.type === "opaqueredirect" || answer.ok) {
          form.querySelector("textarea").value = "";
          return null;
        }
        return answer.text().then(function (html) {
          errorBox.textContent = errorOf(html);
          errorBox.hidden = false;
        });
      }).catch(function () {
        errorBox.textContent = "网络连接中断，发言未发送，请稍后重试";
        errorBox.hidden = false;
      }).then(function () {
        button.disabled = false;
      });
    });
  }

  window.addEventListener("pagehide", function () {
    stopped = true;
    if (socket) {
      socket.close(1000);
    }
  });
  window.addEventListener("pageshow", function (showing) {
    if (showing.persisted && stopped && !socket) {  // back from the page cache: pick up where it left off
      stopped = false;
      connect();
    }
  });
  // A test or a debugging session may drop the socket to see the client resume.
  root.dropSocket = function () {
    if (socket) {
      socket.close(4000);
    }
  };
  connect();
}());
