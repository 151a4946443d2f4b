// Runs before the page is drawn: tells the style sheet that the page's script will run.
document.documentElement.classList.replace("no-js", "js");
